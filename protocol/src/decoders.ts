// One decoder per direction; the relay uses the first two, the clients the last two.
import { AgentToServer, ServerToAgent } from './agent';
import { createDecoder, type MessageOf } from './codec';
import { ConsoleToServer, ServerToConsole } from './console';

export type AgentMessage = MessageOf<typeof AgentToServer>;
export type ServerAgentMessage = MessageOf<typeof ServerToAgent>;
export type ConsoleMessage = MessageOf<typeof ConsoleToServer>;
export type ServerConsoleMessage = MessageOf<typeof ServerToConsole>;

export const decodeAgentMessage = createDecoder(AgentToServer);
export const decodeConsoleMessage = createDecoder(ConsoleToServer);
export const decodeServerToAgent = createDecoder(ServerToAgent);
export const decodeServerToConsole = createDecoder(ServerToConsole);
