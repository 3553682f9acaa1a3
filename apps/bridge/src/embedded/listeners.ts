import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';

export type ConnectionHandler = (stream: Duplex, request?: IncomingMessage) => void;

export interface Listeners {
  tcp: TcpServer;
  ws: HttpServer;
  close(): Promise<void>;
}

/**
 * MQTT over TCP and over WebSocket (any path, subprotocols `mqtt` and `mqttv3.1`), with Nagle's
 * algorithm off: with it on, every request/reply round trip waits for the delayed ACK (~40 ms).
 */
export async function listen(
  host: string,
  tcpPort: number,
  wsPort: number,
  handle: ConnectionHandler,
): Promise<Listeners> {
  const tcp = createTcpServer((socket: Socket) => {
    socket.setNoDelay(true);
    handle(socket);
  });
  const ws = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({
    server: ws,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (socket, request) => {
    request.socket.setNoDelay(true);
    const stream = createWebSocketStream(socket);
    stream.on('error', () => socket.terminate());
    handle(stream, request);
  });
  // A reconnect storm (thousands of devices at once) overflows Node's default listen backlog of 511.
  await Promise.all([
    new Promise<void>((resolve, reject) =>
      tcp.once('error', reject).listen({ port: tcpPort, host, backlog: 4096 }, () => resolve()),
    ),
    new Promise<void>((resolve, reject) => ws.once('error', reject).listen(wsPort, host, () => resolve())),
  ]);
  return {
    tcp,
    ws,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await Promise.all([
        new Promise<void>((resolve) => tcp.close(() => resolve())),
        new Promise<void>((resolve) => wss.close(() => ws.close(() => resolve()))),
      ]);
    },
  };
}
