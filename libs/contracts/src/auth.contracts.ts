import { rpc } from './bus';

export type NodeType = 'device' | 'gateway';
export type DeviceStatus = 'inactive' | 'online' | 'offline';

export interface ProductView {
  productKey: string;
  name: string;
  nodeType: NodeType;
  dynamicRegistration: boolean;
  createdAt: string;
}

/** Returned once, on creation: the only time the ProductSecret leaves apps/auth through the API. */
export interface ProductCreated extends ProductView {
  productSecret: string;
}

export interface DeviceView {
  productKey: string;
  deviceName: string;
  iotId: string;
  status: DeviceStatus;
  disabled: boolean;
  createdAt: string;
  activatedAt: string | null;
  lastOnlineAt: string | null;
  ip: string | null;
  firmwareVersion: string | null;
  /** Tags the device reported (`thing/deviceinfo/update`); in single-device reads. */
  tags?: Record<string, string>;
}

/** Returned once, on creation: the only time the DeviceSecret leaves apps/auth through the API. */
export interface DeviceCreated extends DeviceView {
  deviceSecret: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface CreateProductRequest {
  name: string;
  nodeType?: NodeType;
  dynamicRegistration?: boolean;
}
export interface ProductRef {
  productKey: string;
}
export interface UpdateProductRequest extends ProductRef {
  name?: string;
  dynamicRegistration?: boolean;
}
export interface DeviceRef {
  productKey: string;
  deviceName: string;
}
export interface CreateDeviceRequest extends ProductRef {
  deviceName?: string;
}
export interface ListDevicesRequest extends ProductRef {
  page: number;
  pageSize: number;
  status?: DeviceStatus;
}
export interface SetDeviceDisabledRequest extends DeviceRef {
  disabled: boolean;
}

/** One rule of a device's topic ACL (the same list EMQX receives in the authn reply). */
export interface AclRuleView {
  /** First match decides; absent means allow. */
  permission?: 'allow' | 'deny';
  action: 'publish' | 'subscribe' | 'all';
  topic: string;
}

/** A broker asks whether a CONNECT may proceed. Values are the raw CONNECT fields. */
export interface MqttAuthenticateRequest {
  clientId: string;
  username: string;
  password: string;
  peerhost?: string;
  /** Seconds, when the broker knows it (the embedded broker does; EMQX's authn call does not carry it). */
  keepalive?: number;
}

export interface MqttAuthenticateReply {
  allowed: boolean;
  /** MQTT 3.1.1 CONNACK return code (protocol.md §1.3). */
  returnCode: number;
  reason?: string;
  device?: { productKey: string; deviceName: string; iotId: string; nodeType: NodeType };
  acl: AclRuleView[];
  /** Epoch ms after which the credentials are no longer valid: set for iotId/iotToken logins (protocol.md §1.4). */
  expiresAt?: number;
}

/** A gateway's `combine/login` for one of its sub-devices (protocol.md §5.3), forwarded by the bridge. */
export interface SubDeviceLoginRequest {
  gateway: { productKey: string; deviceName: string };
  /** The gateway's MQTT connection the sub-device's session lives on. */
  gatewayClientId: string;
  params: Record<string, string>;
}

export interface SubDeviceLogoutRequest {
  gateway: { productKey: string; deviceName: string };
  gatewayClientId: string;
  params: Record<string, string>;
}

/** The `combine/login_reply` / `logout_reply` code, and on login success the sub-device and its topic ACL. */
export interface SubDeviceSessionReply {
  code: number;
  message: string;
  device?: { productKey: string; deviceName: string; iotId: string };
  acl?: AclRuleView[];
  /**
   * Epoch ms the session was opened (on a successful login, the new one; on a logout, the closed one): the
   * `connectedAt` of its connection events when the broker driver keeps no session state (EMQX).
   */
  connectedAt?: number;
}

/**
 * May a gateway's connection publish or subscribe on a topic of one of its sub-devices? Asked by EMQX's
 * HTTP authorization source (through apps/auth) and by the bridge for uplinks EMQX let through.
 */
export interface SubDeviceAuthorizeRequest {
  /** The gateway's MQTT client id. */
  clientId: string;
  /** A topic name (publish) or filter (subscribe). */
  topic: string;
  action: 'publish' | 'subscribe';
}
export interface SubDeviceAuthorizeReply {
  allowed: boolean;
}

/** An open sub-device session on a gateway's connection. */
export interface SubSessionView {
  productKey: string;
  deviceName: string;
  gateway: { productKey: string; deviceName: string };
  gatewayClientId: string;
  /** Epoch ms of the login: the session's `connectedAt`. */
  connectedAt: number;
}

/** The device HTTP channel's form or JSON fields, forwarded verbatim. */
export interface DeviceHttpRequest {
  params: Record<string, string>;
  peerhost?: string;
}

/** Alibaba's device HTTP reply body: `{code, message, data?}` (code 200 on success). */
export interface DeviceHttpReply {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

export interface VerifyApiKeyRequest {
  key: string;
}
export interface VerifyApiKeyReply {
  valid: boolean;
  name?: string;
}
export interface CreateApiKeyRequest {
  name: string;
}
export interface ApiKeyCreated {
  id: string;
  name: string;
  /** The key itself, returned once; only its hash is stored. */
  key: string;
  createdAt: string;
}

export type ConfigKind = 'device' | 'gateway';

/** A product's remote configuration file (protocol.md §7.1) or gateway configuration file (§7.3). */
export interface ConfigView {
  productKey: string;
  kind: ConfigKind;
  configId: string;
  size: number;
  sha256: string;
  enabled: boolean;
  updatedAt: string;
}

export interface SetConfigRequest {
  productKey: string;
  kind: ConfigKind;
  /** The file, base64 (at most 512 KB). */
  content: string;
  enabled?: boolean;
}

/** A device's download of a configuration file by signed URL, forwarded by the bridge. */
export interface DownloadConfigRequest {
  productKey: string;
  configId: string;
  expires: string;
  signature: string;
}

export interface TopologyRequest {
  gateway: DeviceRef;
  sub: DeviceRef;
}

export const AuthRpc = {
  createProduct: rpc<CreateProductRequest, ProductCreated>('auth.v1.product.create'),
  getProduct: rpc<ProductRef, ProductView>('auth.v1.product.get'),
  updateProduct: rpc<UpdateProductRequest, ProductView>('auth.v1.product.update'),
  deleteProduct: rpc<ProductRef, { deleted: true }>('auth.v1.product.delete'),
  createDevice: rpc<CreateDeviceRequest, DeviceCreated>('auth.v1.device.create'),
  getDevice: rpc<DeviceRef, DeviceView>('auth.v1.device.get'),
  listDevices: rpc<ListDevicesRequest, Page<DeviceView>>('auth.v1.device.list'),
  deleteDevice: rpc<DeviceRef, { deleted: true }>('auth.v1.device.delete'),
  setDeviceDisabled: rpc<SetDeviceDisabledRequest, DeviceView>('auth.v1.device.set-disabled'),
  mqttAuthenticate: rpc<MqttAuthenticateRequest, MqttAuthenticateReply>('auth.v1.mqtt.authenticate'),
  httpDeviceNameAuth: rpc<DeviceHttpRequest, DeviceHttpReply>('auth.v1.http.devicename'),
  httpRegisterDevice: rpc<DeviceHttpRequest, DeviceHttpReply>('auth.v1.http.register'),
  verifyApiKey: rpc<VerifyApiKeyRequest, VerifyApiKeyReply>('auth.v1.apikey.verify'),
  subDeviceLogin: rpc<SubDeviceLoginRequest, SubDeviceSessionReply>('auth.v1.subdevice.login'),
  subDeviceLogout: rpc<SubDeviceLogoutRequest, SubDeviceSessionReply>('auth.v1.subdevice.logout'),
  subDeviceAuthorize: rpc<SubDeviceAuthorizeRequest, SubDeviceAuthorizeReply>('auth.v1.subdevice.authorize'),
  /** The sessions on one gateway connection. */
  subSessionsOn: rpc<{ gatewayClientId: string }, SubSessionView[]>('auth.v1.subdevice.sessions-on'),
  /** The session of one sub-device, if it has one. */
  subSessionOf: rpc<DeviceRef, { session?: SubSessionView }>('auth.v1.subdevice.session-of'),
  setConfig: rpc<SetConfigRequest, ConfigView>('auth.v1.config.set'),
  getConfig: rpc<{ productKey: string; kind: ConfigKind }, ConfigView>('auth.v1.config.get'),
  pushConfig: rpc<{ productKey: string; kind: ConfigKind }, { devices: number; delivered: number }>(
    'auth.v1.config.push',
  ),
  downloadConfig: rpc<DownloadConfigRequest, { content: string }>('auth.v1.config.download'),
  listTopology: rpc<DeviceRef, DeviceRef[]>('auth.v1.topology.list'),
  addTopology: rpc<TopologyRequest, DeviceRef[]>('auth.v1.topology.add'),
  removeTopology: rpc<TopologyRequest, DeviceRef[]>('auth.v1.topology.remove'),
  createApiKey: rpc<CreateApiKeyRequest, ApiKeyCreated>('auth.v1.apikey.create'),
} as const;
