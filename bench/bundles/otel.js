// Minimal "send one log" page for OpenTelemetry JS logs: LoggerProvider + BatchLogRecordProcessor
// + OTLP/HTTP (JSON) exporter, as the exporter's README sets it up for the web.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';

const provider = new LoggerProvider({
  processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: 'https://collector.example.com/v1/logs' }) })],
});
provider.getLogger('shop-web').emit({
  severityNumber: SeverityNumber.INFO,
  severityText: 'INFO',
  body: 'user clicked button',
  attributes: { userId: 42, button: 'buy', page: '/cart' },
});
