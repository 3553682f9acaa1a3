import type { OtaSignMethod } from '@iot/contracts';

/** The `/ota/device/upgrade/{pk}/{dn}` message of protocol.md §6.2. */
export interface UpgradeMessage {
  code: '1000';
  id: number;
  message: 'success';
  data: {
    size: number;
    version: string;
    url: string;
    /** Legacy: present, equal to `sign`, only when signMethod is Md5. */
    md5?: string;
    sign: string;
    signMethod: OtaSignMethod;
  };
}

export interface UpgradeFacts {
  id: number;
  size: number;
  version: string;
  url: string;
  md5: string;
  sha256: string;
  signMethod: OtaSignMethod;
}

/** `sign` is the hex digest of the whole file by `signMethod`. */
export function upgradeMessage(f: UpgradeFacts): UpgradeMessage {
  const md5 = f.signMethod === 'Md5';
  return {
    code: '1000',
    id: f.id,
    message: 'success',
    data: {
      size: f.size,
      version: f.version,
      url: f.url,
      ...(md5 ? { md5: f.md5 } : {}),
      sign: md5 ? f.md5 : f.sha256,
      signMethod: f.signMethod,
    },
  };
}
