import { describe, expect, it } from 'vitest';
import { StepQueue } from './step-queue';

describe('StepQueue', () => {
  it('runs steps in order, and one that hangs is given up so the next still runs', async () => {
    const q = new StepQueue(50);
    const order: string[] = [];
    const hung = q.enqueue(() => new Promise<void>(() => order.push('hung')));
    const next = q.enqueue(async () => {
      order.push('next');
    });
    await expect(hung).rejects.toThrow(/no result after 50 ms/);
    await next;
    expect(order).toEqual(['hung', 'next']);
  });
  it('a failing step rejects its own promise only', async () => {
    const q = new StepQueue(1000);
    const bad = q.enqueue(async () => {
      throw new Error('nope');
    });
    await expect(bad).rejects.toThrow('nope');
    await expect(q.enqueue(async () => {})).resolves.toBeUndefined();
  });
});
