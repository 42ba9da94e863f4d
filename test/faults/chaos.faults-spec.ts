import { faultSuite } from './chaos';

faultSuite('fault injection: crashes, broker and database restarts, redeliveries', { kafkaNodes: 1 });
