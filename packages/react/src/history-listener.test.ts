// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { subscribeToHistory } from './history-listener.js';

const { pushState, replaceState } = History.prototype;
afterEach(() => {
  history.pushState = pushState;
  history.replaceState = replaceState;
  history.replaceState(null, '', '/');
});

describe('subscribeToHistory', () => {
  it('reports pushState, replaceState and popstate to every listener, once each', () => {
    const first = vi.fn();
    const second = vi.fn();
    const stopFirst = subscribeToHistory(first);
    const stopSecond = subscribeToHistory(second);
    history.pushState(null, '', '/a');
    history.replaceState(null, '', '/b');
    dispatchEvent(new PopStateEvent('popstate'));
    expect(first).toHaveBeenCalledTimes(3);
    expect(second).toHaveBeenCalledTimes(3);
    expect(location.pathname).toBe('/b');
    stopFirst();
    history.pushState(null, '', '/c');
    expect(first).toHaveBeenCalledTimes(3);
    expect(second).toHaveBeenCalledTimes(4);
    stopSecond();
    expect(history.pushState).toBe(pushState);
    expect(history.replaceState).toBe(replaceState);
  });

  it('leaves a wrapper added after its own in place, and stays silent once unsubscribed', () => {
    const listener = vi.fn();
    const stop = subscribeToHistory(listener);
    const ours = history.pushState;
    const theirs = vi.fn(function (this: History, ...args: Parameters<History['pushState']>) {
      ours.apply(this, args);
    });
    history.pushState = theirs;
    stop();
    expect(history.pushState).toBe(theirs);
    history.pushState(null, '', '/d');
    expect(theirs).toHaveBeenCalledTimes(1);
    expect(location.pathname).toBe('/d');
    expect(listener).not.toHaveBeenCalled();
  });
});
