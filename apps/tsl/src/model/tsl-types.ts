/** The thing model (TSL) as the platform keeps it, after validation (protocol.md §4.1). */
export type DataTypeName = 'int' | 'float' | 'double' | 'text' | 'date' | 'bool' | 'enum' | 'struct' | 'array';

export type DataType =
  | {
      type: 'int' | 'float' | 'double';
      specs: { min?: number; max?: number; step?: number; unit?: string; unitName?: string };
    }
  | { type: 'text'; specs: { length: number } }
  | { type: 'date'; specs: Record<string, never> }
  | { type: 'bool' | 'enum'; specs: Record<string, string> }
  | { type: 'struct'; specs: Param[] }
  | { type: 'array'; specs: { size: number; item: DataType } };

export interface Param {
  identifier: string;
  name: string;
  dataType: DataType;
}

export interface PropertyDef extends Param {
  accessMode: 'r' | 'rw';
  required: boolean;
}

export interface EventDef {
  identifier: string;
  name: string;
  desc?: string;
  type: 'info' | 'alert' | 'error';
  required: boolean;
  outputData: Param[];
  method: string;
}

export interface ServiceDef {
  identifier: string;
  name: string;
  desc?: string;
  required: boolean;
  callType: 'sync' | 'async';
  inputData: Param[];
  outputData: Param[];
  method: string;
}

export interface ThingModel {
  properties: PropertyDef[];
  events: EventDef[];
  services: ServiceDef[];
}

export const EMPTY_MODEL: ThingModel = { properties: [], events: [], services: [] };
