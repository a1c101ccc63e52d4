// A small Dockerfile reader for tests (no engine, no hadolint here): comments and line continuations
// as the Dockerfile reference defines them, global ARG defaults, and the stages with their
// instructions in order.

export interface DockerInstruction {
  op: string;
  args: string;
}
export interface DockerStage {
  name: string;
  from: string;
  instructions: DockerInstruction[];
}

export function parseDockerfile(text: string): { args: Record<string, string>; stages: DockerStage[] } {
  // Comment lines are removed before continuation lines are joined (they may sit inside a RUN).
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const logical: string[] = [];
  let current = '';
  for (const line of lines) {
    if (/\\\s*$/.test(line)) {
      current += `${line.replace(/\\\s*$/, '')}\n`;
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());

  const args: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`cannot read Dockerfile line: ${l}`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (op === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!f) throw new Error(`cannot read FROM ${rest}`);
      stages.push({ name: f[2] ?? String(stages.length), from: f[1]!, instructions: [] });
      continue;
    }
    if (stages.length === 0) {
      if (op !== 'ARG') throw new Error(`${op} before the first FROM`);
      const a = /^(\w+)(?:=(.*))?$/.exec(rest);
      if (a) args[a[1]!] = a[2] ?? '';
      continue;
    }
    stages.at(-1)!.instructions.push({ op, args: rest.replace(/\n\s*/g, ' ') });
  }
  return { args, stages };
}
