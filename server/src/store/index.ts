export * from './audit';
export * from './db';
export * from './devices';
export * from './enrollment';
export * from './groups';
export * from './ids';
export * from './operators';
export * from './store';
