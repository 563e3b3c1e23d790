# Hello-world on Tornado's web.Application (the system @t rebuilds).
import sys

import tornado.ioloop
import tornado.web


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("Hello, world")


if __name__ == "__main__":
    app = tornado.web.Application([(r"/", Hello)])
    app.listen(int(sys.argv[1]), "127.0.0.1", idle_connection_timeout=120)
    print("ready", flush=True)
    tornado.ioloop.IOLoop.current().start()
