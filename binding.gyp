{
  "targets": [
    {
      "target_name": "rtp_receiver",
      "sources": ["native/rtp_receiver.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
