# binding.gyp: builds the @t/poller-native addon (node-addon-api, fixed NAPI_VERSION).
{
  "targets": [
    {
      "target_name": "poller_native",
      "sources": [
        "src/addon.cc",
        "src/backends.cc",
        "src/errors.cc",
        "src/napi_util.cc",
        "src/poll.cc",
        "src/poller_bindings.cc",
        "src/poller_handle.cc",
        "src/sockaddr.cc",
        "src/syscalls.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        # One prebuild per platform serves every Node version with N-API 8
        # (Node >= 12.22 / 14.17; we need napi_add_async_cleanup_hook).
        "NAPI_VERSION=8",
        # No C++ exceptions: node-addon-api throws JS exceptions and the
        # caller returns (Napi::Error::ThrowAsJavaScriptException).
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        # ...and a throw that cannot happen because the environment is
        # going away (a terminated worker) is dropped instead of aborting.
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS=='linux'", {
          "sources": ["src/epoll.cc"],
          "defines": ["T_HAVE_EPOLL"],
          "libraries": ["-lpthread"]
        }],
        ["OS=='mac' or OS=='freebsd' or OS=='openbsd' or OS=='netbsd'", {
          "sources": ["src/kqueue.cc"],
          "defines": ["T_HAVE_KQUEUE"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
          }
        }]
      ]
    }
  ]
}
