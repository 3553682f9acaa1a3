import type { DeviceCreated, ProductCreated } from '@iot/contracts';
import type { ApiClient, DeviceIdentity } from '@iot/testing';
import { mapPool } from '../lib/pool';

/** One product and `count` devices, created through the API as an application would (setup, not measured). */
export async function createDevices(
  api: ApiClient,
  count: number,
  concurrency: number,
  progress: (done: number) => void,
  productName = 'connect bench',
): Promise<{ productKey: string; devices: DeviceIdentity[] }> {
  const { productKey } = await api.ok<ProductCreated>('POST', '/v1/products', { name: productName });
  let done = 0;
  const names = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(6, '0')}`);
  const devices = await mapPool(names, concurrency, async (deviceName) => {
    const created = await api.ok<DeviceCreated>('POST', `/v1/products/${productKey}/devices`, { deviceName });
    if (++done % 500 === 0 || done === count) progress(done);
    return { productKey, deviceName: created.deviceName, deviceSecret: created.deviceSecret };
  });
  return { productKey, devices };
}

/** Deletes the devices, then their product, so the bench database does not grow run after run. */
export async function deleteDevices(
  api: ApiClient,
  productKey: string,
  devices: readonly DeviceIdentity[],
  concurrency: number,
): Promise<void> {
  await mapPool(devices, concurrency, (d) => api.ok('DELETE', `/v1/products/${productKey}/devices/${d.deviceName}`));
  await api.ok('DELETE', `/v1/products/${productKey}`);
}
