import { Body, Controller, HttpCode, Inject, Ip, Post } from '@nestjs/common';
import { AuthRpc, type DeviceHttpReply, type RpcContract, type DeviceHttpRequest } from '@iot/contracts';
import { Bus } from '@iot/messaging';

/**
 * The device HTTP channel's credential endpoints (protocol.md §1.4, §1.5), form-encoded or JSON.
 * Alibaba answers HTTP 200 with the outcome in the body's `code`; so does this.
 */
@Controller('auth')
export class DeviceHttpController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  @Post('devicename')
  @HttpCode(200)
  deviceName(@Body() body: unknown, @Ip() ip: string): Promise<DeviceHttpReply> {
    return this.forward(AuthRpc.httpDeviceNameAuth, body, ip);
  }

  @Post('register/device')
  @HttpCode(200)
  register(@Body() body: unknown, @Ip() ip: string): Promise<DeviceHttpReply> {
    return this.forward(AuthRpc.httpRegisterDevice, body, ip);
  }

  private async forward(
    contract: RpcContract<DeviceHttpRequest, DeviceHttpReply>,
    body: unknown,
    ip: string,
  ): Promise<DeviceHttpReply> {
    const params = toStringParams(body);
    if (!params) return { code: 460, message: 'param error: expected form fields or a JSON object' };
    try {
      return await this.bus.request(contract, { params, peerhost: ip });
    } catch {
      return { code: 500, message: 'unknown error' };
    }
  }
}

/** Form fields arrive as strings, JSON ones may be numbers (timestamps): signatures are over their text. */
export function toStringParams(body: unknown): Record<string, string> | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      params[key] = String(value);
  }
  return params;
}
