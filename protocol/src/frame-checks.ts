// The JSON bodies of `sessions` and `monitors` frames are checked against the schemas the signalling
// `report` uses. The browser console's build swaps this module for the same checks compiled ahead
// of time (scripts/build-console.mjs), keeping the schema compiler out of its page.
import Type from 'typebox';
import { lazyValidator } from './codec';
import { Monitor, UserSession } from './common';

export const SessionList = Type.Array(UserSession, { maxItems: 64 });
export const MonitorList = Type.Array(Monitor, { maxItems: 64 });

const sessions = lazyValidator(SessionList);
const monitors = lazyValidator(MonitorList);

export const isSessionList = (v: unknown): boolean => sessions.check(v);
export const isMonitorList = (v: unknown): boolean => monitors.check(v);
