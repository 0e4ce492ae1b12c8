// Tests never contact a real host: every socket a test process opens must go to loopback.
// (A guard, not a mock: allowed connections are real.)
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;
const originalConnect = net.Socket.prototype.connect;

function targetOf(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; path?: string };
    if (options.path) return undefined;
    return options.host ?? 'localhost';
  }
  if (typeof first === 'number') return typeof second === 'string' ? second : 'localhost';
  return undefined;
}

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const host = targetOf(args);
  if (host !== undefined && !LOOPBACK.test(host)) {
    throw new Error(
      `test tried to reach ${host}: tests talk to loopback sandboxes only (map the host in SPORTS_SYNC_ENDPOINTS)`,
    );
  }
  return (originalConnect as (...rest: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
