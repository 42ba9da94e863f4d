export { MESSAGE_BUS } from './message-bus.port';
export type { IncomingMessage, MessageBus, OutgoingMessage, SubscribeOptions, Subscription } from './message-bus.port';
export { InMemoryBus } from './in-memory/in-memory-bus';
export { KafkaBus, type KafkaBusOptions } from './kafka/kafka-bus';
export { MessagingModule, createMessageBus, type MessagingOptions } from './messaging.module';
export { subscribeToTopicSet, type TopicSetOptions } from './topic-set-subscription';
export { accessRuleKey, KafkaAccessControl, type AccessReconciliation, type AccessRule } from './kafka/kafka-access';
export { type KafkaConnectionOptions } from './kafka/kafka-connection';
export { refreshingToken, type ExpiringToken } from './kafka/token-provider';
