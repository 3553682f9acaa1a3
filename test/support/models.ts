/** A small thing model used by several end-to-end tests. */
export const LAMP_MODEL = {
  properties: [
    {
      identifier: 'LightSwitch',
      name: 'switch',
      accessMode: 'rw',
      dataType: { type: 'bool', specs: { 0: 'off', 1: 'on' } },
    },
    {
      identifier: 'Brightness',
      name: 'brightness',
      accessMode: 'rw',
      dataType: { type: 'int', specs: { min: '0', max: '100', step: '1' } },
    },
    {
      identifier: 'Temperature',
      name: 'temperature',
      accessMode: 'r',
      dataType: { type: 'double', specs: { min: '-40', max: '120' } },
    },
  ],
  events: [
    {
      identifier: 'lowpower',
      name: 'low power',
      type: 'alert',
      outputData: [{ identifier: 'power', name: 'power', dataType: { type: 'int', specs: { min: 0, max: 100 } } }],
    },
  ],
  services: [
    {
      identifier: 'Reboot',
      name: 'reboot',
      callType: 'async',
      inputData: [{ identifier: 'delay', name: 'delay', dataType: { type: 'int', specs: { min: 0, max: 60 } } }],
    },
    {
      identifier: 'Ping',
      name: 'ping',
      callType: 'sync',
      inputData: [],
      outputData: [{ identifier: 'pong', name: 'pong', dataType: { type: 'text', specs: { length: 10 } } }],
    },
  ],
};
