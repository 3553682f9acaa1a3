import { Inject, Injectable } from '@nestjs/common';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DomainError, ErrorCode, type FirmwareUploadQuery, type FirmwareView, type RpcReply } from '@iot/contracts';
import { API_CONFIG, type ApiConfig } from '../config/api.env';

const MAX_REPLY_BYTES = 64 * 1024;

/**
 * Streams an upload's bytes to apps/ota's internal endpoint as they arrive (NATS cannot carry firmware, and
 * apps/api holds nothing): backpressure flows from apps/ota's disk back to the uploader.
 */
@Injectable()
export class FirmwareUploadClient {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  upload(query: FirmwareUploadQuery, body: IncomingMessage): Promise<FirmwareView> {
    const token = this.config.OTA_INTERNAL_TOKEN;
    if (!token)
      return Promise.reject(
        new DomainError(
          ErrorCode.SERVICE_UNAVAILABLE,
          'Firmware upload is not configured (IOT_SECRET_KEY or OTA_INTERNAL_TOKEN)',
        ),
      );
    return forwardUpload(`${this.config.OTA_INTERNAL_URL}/internal/firmware`, token, query, body);
  }
}

/** Pipes `body` to `url` and returns apps/ota's answer; its errors come back as the DomainError they were. */
export function forwardUpload(
  url: string,
  token: string,
  query: FirmwareUploadQuery,
  body: IncomingMessage,
): Promise<FirmwareView> {
  const target = new URL(url);
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string') target.searchParams.set(k, v);
  const length = body.headers['content-length'];
  return new Promise<FirmwareView>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const upstream = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'x-ota-internal-token': token,
        ...(length ? { 'content-length': length } : {}),
      },
    });
    upstream.on('response', (res) => {
      // apps/ota may answer before reading everything (a refused upload): the rest is read and dropped.
      body.unpipe(upstream);
      if (!body.readableEnded) body.resume();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_REPLY_BYTES) chunks.push(c);
      });
      res.on('error', (error) => settle(() => reject(unavailable(error))));
      res.on('end', () => {
        // Answered before the whole body went out: that connection cannot carry another request.
        if (!upstream.writableFinished) upstream.destroy();
        settle(() => {
          try {
            const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RpcReply<FirmwareView>;
            if (reply.ok) resolve(reply.data);
            else reject(new DomainError(reply.error.code, reply.error.message, reply.error.details));
          } catch {
            reject(new DomainError(ErrorCode.INTERNAL, `apps/ota answered ${res.statusCode} without a reply`));
          }
        });
      });
    });
    upstream.on('error', (error) => settle(() => reject(unavailable(error))));
    // The uploader went away: apps/ota sees the request cut short and keeps nothing.
    body.on('aborted', () => upstream.destroy(new Error('upload aborted by the client')));
    body.on('error', (error) => upstream.destroy(error));
    body.pipe(upstream);
  });
}

const unavailable = (error: Error) =>
  new DomainError(ErrorCode.SERVICE_UNAVAILABLE, `apps/ota did not take the upload: ${error.message}`);
