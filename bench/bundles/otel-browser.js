// OpenTelemetry JS logs as a <script> for bench/browser.mjs: the page gets `window.otel` and sets up
// LoggerProvider + BatchLogRecordProcessor + OTLPLogExporter (HTTP/JSON, fetch) itself, like
// cloudlog's page calls `cloudlog.createLogger`. Built by browser.mjs the way bundle-size.mjs builds
// the "send one log" pages (otel.js there is the minimal page, this one exports the pieces).
export { SeverityNumber } from '@opentelemetry/api-logs';
export { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
export { resourceFromAttributes } from '@opentelemetry/resources';
export { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
