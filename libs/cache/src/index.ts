export { LocalCache } from './local-cache';
