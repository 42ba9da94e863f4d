import { faultSuite } from './chaos';

// The same traffic and faults on a three-node KRaft cluster (replication factor 3,
// min.insync.replicas 2), where the node leading most of the exchange's partitions is
// SIGKILLed under load, twice, instead of the whole broker being stopped; and every service
// runs as two processes (the relay and the views under their leases, the ledger as a
// consumer group, two gateways), any of which may be the one killed.
faultSuite('fault injection on a three-broker cluster, two of each service: the busiest leader SIGKILLed under load', { kafkaNodes: 3, instances: 2 });
