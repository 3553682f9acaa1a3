export { waitFor } from './wait-for';
export { freePort, freePorts } from './ports';
export { ApiClient } from './api-client';
export {
  signedConnectOptions,
  connectMqtt,
  connectDevice,
  subscribeGranted,
  type DeviceIdentity,
  type ConnectOutcome,
} from './device-client';
