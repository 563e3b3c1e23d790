# Hello-world on Tornado's bare HTTPServer with a request callback (no web framework).
import sys

import tornado.httpserver
import tornado.httputil
import tornado.ioloop

BODY = b"Hello, world"


def handle(request):
    request.connection.write_headers(
        tornado.httputil.ResponseStartLine("HTTP/1.1", 200, "OK"),
        tornado.httputil.HTTPHeaders({"Content-Type": "text/plain", "Content-Length": str(len(BODY))}),
        BODY,
    )
    request.connection.finish()


if __name__ == "__main__":
    server = tornado.httpserver.HTTPServer(handle, idle_connection_timeout=120)
    server.listen(int(sys.argv[1]), "127.0.0.1")
    print("ready", flush=True)
    tornado.ioloop.IOLoop.current().start()
