export { sendCommand } from './send.ts';
export { connect, connectLocal, translateConfig, type Connection, type ConnectOptions, type ConnectionSource } from './connect.ts';
