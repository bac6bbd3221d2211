import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import { useResource } from './useResource.js';

const settle = async () => {
  for (let i = 0; i < 4; i++) await nextTick();
};

describe('useResource', () => {
  it('waits while the key is null, loads on each key, and does not show the previous subject meanwhile', async () => {
    const key = ref<string | null>(null);
    const calls: string[] = [];
    let release: (v: string) => void = () => undefined;
    const { resource } = useResource(key, (k) => {
      calls.push(k);
      return k === 'slow' ? new Promise<string>((r) => (release = r)) : Promise.resolve(`data of ${k}`);
    });
    await settle();
    expect(calls).toEqual([]);
    key.value = '330106';
    await settle();
    expect(resource.data).toBe('data of 330106');
    key.value = 'slow';
    await settle();
    expect(resource.data).toBeNull();
    expect(resource.loading).toBe(true);
    release('late');
    await settle();
    expect(resource.data).toBe('late');
    expect(calls).toEqual(['330106', 'slow']);
  });

  it('keeps the data on screen while another page of the same subject loads', async () => {
    const key = ref<{ region: string; page: number } | null>({ region: '330106', page: 1 });
    let release: (v: string) => void = () => undefined;
    const { resource } = useResource(
      key,
      (k) => (k.page === 1 ? Promise.resolve(`${k.region} p1`) : new Promise<string>((r) => (release = r))),
      (a, b) => a.region === b.region,
    );
    await settle();
    expect(resource.data).toBe('330106 p1');
    key.value = { region: '330106', page: 2 };
    await settle();
    expect([resource.data, resource.loading]).toEqual(['330106 p1', true]);
    release('330106 p2');
    await settle();
    expect(resource.data).toBe('330106 p2');
    key.value = { region: '330105', page: 2 };
    await settle();
    expect(resource.data).toBeNull();
  });
});
