export { canonicalJson, chainHash, GENESIS_HASH, linkHash } from './hash-chain';
