import { readFileSync } from 'node:fs';
import { Consumer, FetchIsolationLevels, MessagesStreamFallbackModes, MessagesStreamModes, Producer, type Message } from '@platformatic/kafka';

/**
 * raw-pipe.ts on @platformatic/kafka: the same transport-only consume→produce pipe (each
 * inbound message copied to its owner's and the next outbound topic, batched, offsets
 * committed after the sends are acknowledged), to compare the two clients with nothing of
 * the hub in between. Its stream hands messages one by one: what arrived while the previous
 * send was in flight is the next batch.
 */
const [brokers, group, inboundList, ...outbound] = process.argv.slice(2);
const inbound = inboundList!.split(',');
const { RAW_PIPE_CA_FILE: caFile, RAW_PIPE_TOKEN: token } = process.env;
const connection = {
  clientId: 'raw-pipe-platformatic',
  bootstrapBrokers: brokers!.split(','),
  connectTimeout: 10_000,
  ...(caFile && token ? { tls: { ca: [readFileSync(caFile, 'utf8')] }, sasl: { mechanism: 'OAUTHBEARER' as const, token } } : {}),
};
const producer = new Producer({ ...connection, idempotent: true });
const consumer = new Consumer({ ...connection, groupId: group!, autocommit: false, maxWaitTime: 100, isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED });

type Received = Message<Buffer, Buffer, Buffer, Buffer>;
/** Inbound messages per send (each goes to two topics), as raw-pipe.ts sends kafkajs' batches. */
const SEND_BATCH = 500;
const pending: Received[] = [];
let sending = false;

async function main(): Promise<void> {
  const stream = await consumer.consume({ topics: inbound, mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.LATEST, autocommit: false });
  stream.on('data', (message: Received) => {
    pending.push(message);
    if (pending.length >= 5_000) stream.pause();
    if (!sending) void send(() => stream.resume());
  });
  process.stdout.write('ready\n');
}

async function send(resume: () => void): Promise<void> {
  sending = true;
  while (pending.length > 0) {
    // A produce request's batch per partition must stay under the broker's message size (1 MB).
    const batch = pending.splice(0, SEND_BATCH);
    resume();
    await producer.send({
      messages: batch.flatMap((m) => {
        const owner = inbound.indexOf(m.topic);
        return [outbound[owner]!, outbound[(owner + 1) % outbound.length]!].map((topic) => ({ topic, key: m.key, value: m.value, headers: m.headers }));
      }),
    });
    const last = new Map<string, Received>();
    for (const m of batch) last.set(`${m.topic}:${m.partition}`, m);
    await consumer.commit({ offsets: [...last.values()].map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch })) });
  }
  sending = false;
}

const stop = () => void Promise.allSettled([consumer.close(true), producer.close()]).then(() => process.exit(0));
process.on('SIGTERM', stop);
main().catch((err: unknown) => {
  process.stderr.write(`raw pipe (platformatic): ${(err as Error).message}\n`);
  process.exit(1);
});
