import { messageBusContract } from '../message-bus.contract';
import { KafkaBus } from './kafka-bus';
import { testKafkaBrokers } from '@passerelle/testing';

messageBusContract('kafka', async () => new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'contract-test' }), 60_000);
