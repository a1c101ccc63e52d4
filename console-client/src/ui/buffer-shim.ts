// Injected by the bundler wherever the protocol code names the Node global `Buffer`.
export { Buffer } from 'buffer';
