import { messageBusContract } from '../message-bus.contract';
import { KafkaBus } from './kafka-bus';
import { testKafkaConnection } from '@passerelle/testing';

messageBusContract('kafka', async () => new KafkaBus(testKafkaConnection(undefined, 'contract-test')), 60_000);
