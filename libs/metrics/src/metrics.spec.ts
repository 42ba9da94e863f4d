import { followerProgress } from './log-follower';
import { Metrics } from './metrics';

describe('Metrics', () => {
  it('gives the metric already registered when a second component asks for the same name', () => {
    const metrics = new Metrics({ process: false });
    const first = metrics.counter({ name: 'passerelle_test_total', help: 'a test counter', labelNames: ['organization'] });
    const second = metrics.counter({ name: 'passerelle_test_total', help: 'a test counter', labelNames: ['organization'] });

    expect(second).toBe(first);
  });

  it('serves process metrics by default, in the text format', async () => {
    const { contentType, body } = await new Metrics().exposition();

    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('# TYPE process_cpu_seconds_total counter');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('followerProgress', () => {
  it('measures lag against the log head when scraped, per follower', async () => {
    const metrics = new Metrics({ process: false });
    let head = 10n;
    const relay = followerProgress(metrics, 'relay', async () => head);
    followerProgress(metrics, 'views', async () => head);

    relay.advanced(7n);
    head = 12n;
    const { body } = await metrics.exposition();

    expect(body).toContain('passerelle_log_follower_lag_positions{follower="relay"} 5');
    expect(body).toContain('passerelle_log_follower_lag_positions{follower="views"} 12');
    expect(body).toContain('passerelle_log_follower_position{follower="relay"} 7');
  });

  it('keeps the last figure when the store does not answer, and never moves back', async () => {
    const metrics = new Metrics({ process: false });
    let fail = false;
    const progress = followerProgress(metrics, 'views', async () => {
      if (fail) throw new Error('store down');
      return 9n;
    });
    progress.advanced(4n);
    await metrics.exposition();
    fail = true;
    progress.advanced(3n);

    const { body } = await metrics.exposition();
    expect(body).toContain('passerelle_log_follower_lag_positions{follower="views"} 5');
    expect(body).toContain('passerelle_log_follower_position{follower="views"} 4');
  });

  it('starts again from where the follower says: a rebuild from 0 shows the whole log ahead', async () => {
    const metrics = new Metrics({ process: false });
    const progress = followerProgress(metrics, 'insights', async () => 40n);
    progress.advanced(40n);
    progress.startsFrom(0n);

    const { body } = await metrics.exposition();
    expect(body).toContain('passerelle_log_follower_lag_positions{follower="insights"} 40');
  });
});
