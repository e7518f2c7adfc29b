export { createProxyHandler } from './create-proxy-handler.js';
export { toNodeListener } from './node-listener.js';
export type { NodeListener, NodeRequest, NodeResponse } from './node-listener.js';
export { createLocalSink } from './local-sink.js';
export type { LocalSinkOptions, SinkOutput } from './local-sink.js';
export type { ProxyEvent, ProxyHandler, ProxyOptions, ProxyRequestContext } from './options.js';
export type { PreparedPush, PushTarget, PushValue, TargetResult, ValidatedPush, ValidStream } from './push-target.js';
export { PROXY_DEFAULTS } from './defaults.js';
export { CloudlogError, ConfigError } from '../errors.js';
