import { messageBusContract } from '../message-bus.contract';
import { InMemoryBus } from './in-memory-bus';

messageBusContract('in-memory', async () => new InMemoryBus());
