/**
 * The baseline of the connect bench: a bare Aedes broker, no authentication, no platform, in a process of
 * its own (as the platform's broker is). Configured like the embedded broker where it matters to a CONNECT:
 * long clientIds allowed, Nagle's algorithm off, a listen backlog of 4,096 (a storm overflows Node's 511). Tells its parent the port over IPC; stops on SIGTERM.
 */
import { Aedes } from 'aedes';
import { createServer } from 'node:net';

export interface BareBrokerReady {
  port: number;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bare-broker runs as a child process (fork) of the connect bench');
  const broker = await Aedes.createBroker({ maxClientsIdLength: 512 });
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve()),
  );
  const ready: BareBrokerReady = { port: (server.address() as { port: number }).port };
  process.send(ready);
  const stop = () => broker.close(() => server.close(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bare broker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
