/**
 * What the caller expects of a stream before appending:
 * - `'any'`: no check;
 * - `'no_stream'`: the stream has no event yet;
 * - `'stream_exists'`: the stream has at least one event;
 * - a bigint: the revision (0-based) of the stream's last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** A stream's state as a conflict reports it: its last revision, or `'no_stream'`. */
export type ActualRevision = bigint | 'no_stream';
