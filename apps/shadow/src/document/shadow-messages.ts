import { documentView, type ShadowDocument } from './shadow-document';
import type { ShadowError } from './shadow-errors';

/** Replies and controls on `/shadow/get/{pk}/{dn}` (protocol.md §2.3): `version` in the payload, `timestamp` outside. */
export function successReply(version: number, now: number, clientToken?: string) {
  return { method: 'reply', payload: { status: 'success', version }, timestamp: now, ...token(clientToken) };
}

export function errorReply(error: ShadowError, now: number, clientToken?: string) {
  return {
    method: 'reply',
    payload: { status: 'error', content: { errorcode: String(error.code), errormessage: error.message } },
    timestamp: now,
    ...token(clientToken),
  };
}

export function getReply(doc: ShadowDocument, now: number, clientToken?: string) {
  return { method: 'reply', payload: { status: 'success', ...body(doc) }, timestamp: now, ...token(clientToken) };
}

export function controlMessage(doc: ShadowDocument, now: number) {
  return { method: 'control', payload: { status: 'success', ...body(doc) }, timestamp: now };
}

function body(doc: ShadowDocument) {
  const view = documentView(doc);
  return { state: view.state, metadata: view.metadata, version: view.version };
}

/** AWS-style clients correlate replies by the clientToken they sent (sdk-compat.md §5.8). */
const token = (clientToken?: string) => (clientToken ? { clientToken } : {});
