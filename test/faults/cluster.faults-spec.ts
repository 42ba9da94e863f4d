import { faultSuite } from './chaos';

// The same traffic and faults on a three-node KRaft cluster (replication factor 3,
// min.insync.replicas 2), where the node leading most of the exchange's partitions is
// SIGKILLed under load, twice, instead of the whole broker being stopped.
faultSuite('fault injection on a three-broker cluster: the busiest leader SIGKILLed under load', { kafkaNodes: 3 });
