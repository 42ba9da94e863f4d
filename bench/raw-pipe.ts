import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';

/**
 * The baseline of the e2e benchmark: a raw kafkajs consume→produce pipe doing the transport
 * part of the hub's job and nothing else — each inbound message copied to two outbound topics
 * (the owner's and one other), batched, offsets committed after the sends are acknowledged.
 * Run as its own process, like the ledger and the relay.
 */
const [brokers, group, inboundList, ...outbound] = process.argv.slice(2);
const inbound = inboundList!.split(',');
const { RAW_PIPE_CA_FILE: caFile, RAW_PIPE_TOKEN: token } = process.env;
const secured = caFile && token ? { ssl: { ca: [readFileSync(caFile, 'utf8')] }, sasl: { mechanism: 'oauthbearer' as const, oauthBearerProvider: async () => ({ value: token }) } } : {};
const kafka = new Kafka({ clientId: 'raw-pipe', brokers: brokers!.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 10_000, ...secured });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({ groupId: group!, maxWaitTimeInMs: 100, readUncommitted: true });

async function main(): Promise<void> {
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: inbound, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      const owner = inbound.indexOf(batch.topic);
      const targets = [outbound[owner]!, outbound[(owner + 1) % outbound.length]!];
      await producer.sendBatch({
        acks: -1,
        topicMessages: targets.map((topic) => ({ topic, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) })),
      });
      resolveOffset(batch.messages.at(-1)!.offset);
      await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.messages.at(-1)!.offset) + 1n).toString() }] }] });
    },
  });
  process.stdout.write('ready\n');
}

const stop = () => void Promise.allSettled([consumer.disconnect(), producer.disconnect()]).then(() => process.exit(0));
process.on('SIGTERM', stop);
main().catch((err: unknown) => {
  process.stderr.write(`raw pipe: ${(err as Error).message}\n`);
  process.exit(1);
});
