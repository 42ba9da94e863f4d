import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { KafkaBus } from '@passerelle/messaging';
import { kafkaConnectionAs } from '@passerelle/testing';
import { freePortBlock, rawKafkaClient, readTopicToEnd, startPrivateKafka, whileRetriable, type PrivateKafka } from '../support/private-kafka';

jest.setTimeout(900_000);

/**
 * One publish carries messages for two partitions led by two nodes of a three-node cluster,
 * and the leader of one of them dies under it: node 1 answers for its partition, node 2 never
 * does (stopped, then killed, with the request in hand), and its partition moves to node 1.
 * kafkajs then answers the send written while that partition's messages were never written
 * (it remembers which brokers answered a send, not which partitions). The hub's bus must
 * notice and write them. Each case has a cluster of its own: nothing is restarted.
 */
describe('a publish across two leaders, one of which dies under it (three-node cluster)', () => {
  let kafka: PrivateKafka | undefined;
  let client: Kafka;

  beforeEach(async () => {
    const base = await freePortBlock(9);
    kafka = await startPrivateKafka(base, base + 3, 3);
    client = rawKafkaClient(kafka, 'failover-test');
  });
  afterEach(async () => {
    await kafka?.destroy();
    kafka = undefined;
  });

  /** A topic whose partition 0 is led by node 1 and partition 1 by node 2, node 1 next in line for it; keys for each. */
  const topicLedBy1And2 = async () => {
    const topic = `failover-${randomUUID().slice(0, 8)}`;
    const admin = client.admin();
    await admin.connect();
    try {
      await admin.createTopics({ timeout: 60_000, topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }, { partition: 1, replicas: [2, 1, 3] }] }] });
      // Until every node knows it (kafkajs' own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION).
      const leaders = async () => (await whileRetriable(() => admin.fetchTopicMetadata({ topics: [topic] }))).topics[0]!.partitions.map((p) => [p.partitionId, p.leader]).sort();
      let led = await leaders();
      for (let tries = 0; tries < 120 && led.some(([, leader]) => leader! < 0); tries++) {
        await new Promise((r) => setTimeout(r, 500));
        led = await leaders();
      }
      expect(led).toEqual([[0, 1], [1, 2]]);
    } finally {
      await admin.disconnect();
    }
    const choose = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1].map((partitionId) => ({ partitionId, leader: partitionId + 1, replicas: [], isr: [], partitionErrorCode: 0 }));
    const keys: Record<0 | 1, string[]> = { 0: [], 1: [] };
    for (let n = 0; keys[0].length < 5 || keys[1].length < 5; n++) {
      const key = `case-${n}`;
      keys[choose({ topic, partitionMetadata, message: { key, value: null } }) as 0 | 1].push(key);
    }
    return { topic, keys: [...keys[0].slice(0, 5), ...keys[1].slice(0, 5)] };
  };

  /**
   * Both partitions written once (connections and metadata warm); node 2 stopped (SIGSTOP),
   * the publish under test begun, node 2 SIGKILLed a second later, the request to it written
   * and never read. The keys whose message under test the topic does not hold.
   */
  const publishAsNode2Dies = async (publish: (topic: string, messages: Message[]) => Promise<void>) => {
    const { topic, keys } = await topicLedBy1And2();
    await publish(topic, keys.map((key) => ({ key, value: `warm-up ${key}` })));
    const node2 = (await kafka!.nodes()).find((n) => n.id === 2)!;
    process.kill(node2.pid, 'SIGSTOP');
    const published = publish(topic, keys.map((key) => ({ key, value: `under test ${key}` })));
    await new Promise((r) => setTimeout(r, 1_000));
    await kafka!.killNode(2);
    await published;
    const read = await readTopicToEnd(client, topic);
    return keys.filter((key) => !read.some((r) => r.value === `under test ${key}`));
  };

  it('shows the hazard first: kafkajs alone resolves the send while the messages of the partition that moved were never written', async () => {
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const lost = await publishAsNode2Dies(async (topic, messages) => void (await producer.send({ topic, acks: -1, messages })));
      expect(lost.length).toBeGreaterThan(0);
    } finally {
      await producer.disconnect();
    }
  });

  it('writes every message through the hub bus, saying it sent the left-out partition again', async () => {
    const warnings: string[] = [];
    const bus = new KafkaBus({ ...kafkaConnectionAs(kafka!, undefined, 'failover-bus'), log: (level, message) => void (level === 'warn' && warnings.push(message)) });
    try {
      const lost = await publishAsNode2Dies((topic, messages) => bus.publish(topic, messages.map((m) => ({ key: m.key as string, value: m.value as string }))));
      expect(lost).toEqual([]);
      expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/left partition\(s\) 1 of failover-\S+ out of a send/)]));
    } finally {
      await bus.close();
    }
  });
});
