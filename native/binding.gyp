{
  "targets": [
    {
      "target_name": "platpass_vfio",
      "sources": [
        "src/addon.cc",
        "src/fd_table.cc",
        "src/sys_error.cc",
        "src/container_ioctls.cc",
        "src/device_ioctls.cc",
        "src/region_access.cc",
        "src/irq_ioctls.cc",
        "src/irq_watch.cc",
        "src/dt_tree.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=gnu++17", "-fexceptions", "-Wall", "-Wextra"]
    }
  ]
}
