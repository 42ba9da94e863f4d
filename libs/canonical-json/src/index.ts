export { jcs } from './jcs';
