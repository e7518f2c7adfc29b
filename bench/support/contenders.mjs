// The libraries compared, each set up the way its README sets it up, against the one receiver
// (support/sink-server.mjs). Every contender logs the same entry: the message 'user clicked button'
// at level info with the fields { userId, button, page }, in that library's own call:
//
//   cloudlog      log.info(msg, fields)                           gzip JSON Loki push (its default)
//   pino          pino(pino.destination('/dev/null')).info(fields, msg)   async sonic-boom, what pino() does
//   pino-loki     pino(pino.transport({ target: 'pino-loki' })).info(fields, msg)   JSON Loki push from a worker
//   winston-loki  winston.createLogger({ transports: [new LokiTransport()] }).info(msg, fields)
//                                                                  protobuf + snappy Loki push (its default)
//   otel          LoggerProvider + BatchLogRecordProcessor + OTLPLogExporter (HTTP/JSON): logger.emit({
//                   severityNumber: INFO, severityText: 'INFO', body: msg, attributes: fields })
//   none          no logger: the same call shape into a no-op, the harness's own floor
//
// `createContender(name, { sink, tune, inThread })` returns
//   { name, label, config, native, info(msg, fields), flush(), close(), pending() }
// `native` is the library's own logger object, for the hot-path loops (which call it directly, each
// from its own call site); `info` is a wrapper for scripts that drive one library per process.
// `tune` overrides the library's options by purpose (see the callers); it is described in `config`
// so every table says how each library was set up. `inThread: true` runs pino-loki as a plain pino
// stream in this thread instead of a worker transport, so that its buffer is in this isolate's heap.
import { MESSAGE } from './workload.mjs';

export const LABELS = { service_name: 'bench', env: 'bench' };

export const LIBRARIES = ['cloudlog', 'pino', 'pino-loki', 'winston-loki', 'otel'];

export const LABEL = {
  cloudlog: 'cloudlog',
  pino: 'pino → /dev/null',
  'pino-loki': 'pino-loki',
  'winston-loki': 'winston-loki',
  otel: 'OpenTelemetry logs (OTLP/HTTP JSON)',
  none: 'no logger (harness floor)',
};

const describe = (options) =>
  Object.keys(options).length === 0 ? 'defaults' : Object.entries(options).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ');

export async function createContender(name, { sink, tune = {}, inThread = false, distUrl } = {}) {
  if (name === 'cloudlog') {
    const { createLogger } = await import(distUrl ?? new URL('../../dist/index.js', import.meta.url).href);
    const log = createLogger({ url: sink.url, labels: LABELS, ...tune });
    return {
      name,
      label: LABEL[name],
      config: describe(tune),
      native: log,
      info: (msg, fields) => log.info(msg, fields),
      flush: async () => void (await log.flush()),
      close: () => log.close(),
      pending: () => log.stats().queued,
      stats: () => log.stats(),
    };
  }

  if (name === 'pino') {
    const { default: pino } = await import('pino');
    const dest = pino.destination({ dest: '/dev/null', sync: false, ...tune });
    const logger = pino(dest);
    return {
      name,
      label: LABEL[name],
      config: `destination /dev/null, ${describe({ sync: false, ...tune })}`,
      native: logger,
      info: (msg, fields) => logger.info(fields, msg),
      flush: () => new Promise((resolve) => dest.flush(() => resolve())),
      close: async () => {
        dest.flushSync();
        dest.end();
      },
      pending: () => 0,
      stats: () => ({}),
    };
  }

  if (name === 'pino-loki') {
    const { default: pino } = await import('pino');
    const options = { host: sink.host, labels: LABELS, ...tune };
    if (inThread) {
      const { default: pinoLoki } = await import('pino-loki');
      const stream = pinoLoki(options);
      const logger = pino({ level: 'info' }, stream);
      return {
        name,
        label: LABEL[name],
        config: `in-thread stream, ${describe(tune)}`,
        native: logger,
        info: (msg, fields) => logger.info(fields, msg),
        flush: async () => {},
        close: async () => stream.end(),
        pending: () => null,
        stats: () => ({}),
      };
    }
    // pino resolves a transport target from the caller's file: this one, inside the repo.
    const transport = pino.transport({ target: 'pino-loki', options });
    const logger = pino({ level: 'info' }, transport);
    await new Promise((resolve, reject) => {
      transport.once('ready', resolve);
      transport.once('error', reject);
    });
    return {
      name,
      label: LABEL[name],
      config: `pino.transport (worker), ${describe(tune)}`,
      native: logger,
      info: (msg, fields) => logger.info(fields, msg),
      // Hands everything to the worker; it posts on its own interval.
      flush: () => new Promise((resolve) => logger.flush(() => resolve())),
      close: () =>
        new Promise((resolve) => {
          transport.once('close', resolve);
          transport.end();
        }),
      pending: () => null,
      stats: () => ({}),
    };
  }

  if (name === 'winston-loki') {
    const { default: winston } = await import('winston');
    const { default: LokiTransport } = await import('winston-loki');
    let connectionErrors = 0;
    const transport = new LokiTransport({
      host: sink.host,
      labels: LABELS,
      onConnectionError: () => (connectionErrors += 1),
      ...tune,
    });
    const logger = winston.createLogger({ level: 'info', transports: [transport] });
    const batcher = transport.batcher;
    return {
      name,
      label: LABEL[name],
      config: `${batcher.contentType === 'application/x-protobuf' ? 'protobuf+snappy' : 'JSON'}, ${describe(tune)}`,
      native: logger,
      info: (msg, fields) => logger.info(msg, fields),
      // Resolves once its batch loop has sent what was logged (at its next interval tick).
      flush: () => transport.flush(),
      close: () => transport.close(),
      pending: () => batcher.batch.streams.reduce((n, s) => n + s.entries.length, 0) + batcher.batchesSending,
      stats: () => ({ connectionErrors }),
    };
  }

  if (name === 'otel') {
    const { SeverityNumber } = await import('@opentelemetry/api-logs');
    const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    const { exporter: exporterOptions = {}, ...processorOptions } = tune;
    const exporter = new OTLPLogExporter({ url: sink.otlpUrl, ...exporterOptions });
    const processor = new BatchLogRecordProcessor({ exporter, ...processorOptions });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': LABELS.service_name, 'deployment.environment.name': LABELS.env }),
      processors: [processor],
    });
    const logger = provider.getLogger('bench');
    const INFO = SeverityNumber.INFO;
    return {
      name,
      label: LABEL[name],
      config: describe(tune),
      native: logger,
      info: (msg, fields) => logger.emit({ severityNumber: INFO, severityText: 'INFO', body: msg, attributes: fields }),
      flush: () => provider.forceFlush(),
      close: () => provider.shutdown(),
      pending: () => processor._finishedLogRecords?.length ?? null,
      stats: () => ({}),
    };
  }

  if (name === 'none') {
    let last;
    return {
      name,
      label: LABEL[name],
      config: 'the same call into a function that keeps only the last fields object',
      native: null,
      info: (msg, fields) => {
        last = fields;
      },
      flush: async () => {},
      close: async () => {},
      pending: () => (last === undefined ? 0 : 0),
      stats: () => ({}),
    };
  }

  throw new Error(`unknown contender ${name}`);
}

export { MESSAGE };
