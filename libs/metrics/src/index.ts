// @passerelle/metrics: Prometheus metrics (prom-client). Import from here only.
export { BATCH_SIZE_BUCKETS, LATENCY_BUCKETS_SECONDS, METRICS, Metrics } from './metrics';
export { followerProgress, type FollowerProgress } from './log-follower';
