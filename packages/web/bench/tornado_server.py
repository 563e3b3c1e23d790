# Benchmark server: Tornado's web.Application with the same hello and JSON handlers as server.mjs.
# Prints the port on stdout and runs until killed. Access logging off (log_function no-op).
import asyncio
import signal
import sys

import tornado.web


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


class Json(tornado.web.RequestHandler):
    def get(self):
        self.write({"hello": "world", "n": 1})


async def main():
    app = tornado.web.Application(
        [(r"/", Hello), (r"/json", Json)], log_function=lambda handler: None
    )
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    print(sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    sys.exit(0)


if __name__ == "__main__":
    import tornado.httpserver
    import tornado.netutil

    asyncio.run(main())
