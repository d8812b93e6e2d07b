/// A copy of `config/demo.yaml`, used when the demo runs away from the repository (an installed binary,
/// the container image). `DemoTests` keeps the two identical.
enum DemoConfig {
    static let yaml = """
        # yaml-language-server: $schema=./avala-bot.schema.json
        # The config `avala-bot demo` runs: the three jobs against the embedded Avala simulator.
        #
        # The demo fills in every ${DEMO_*} value itself: the simulator's URL and key, the certificate it
        # generates for the TLS listener, a webhook secret, a store in a temporary directory and the URL of its
        # stand-in for Slack. Copy the rules into your own config; they are the examples of config/README.md.
        api:
          base_url: "${DEMO_BASE_URL}"
          api_key: "${DEMO_API_KEY}"
          requests_per_minute: 600

        listener:
          bind: "127.0.0.1:0"          # any free port; the demo prints it
          path: /webhooks/avala
          tls: { cert: "${DEMO_TLS_CERT}", key: "${DEMO_TLS_KEY}" }
          verify: { scheme: avala, secrets: ["${DEMO_WEBHOOK_SECRET}"] }

        pollers:
          members: { organization: acme-ai, every: 500ms }
          exports: { every: 3s }   # webhooks usually bring completions first; this catches any they miss

        store: { sqlite: "${DEMO_STORE}" }

        dispatcher: { backoff: { base: 200ms, max: 2s } }

        plugins:
          invite: { allowed_domains: [acme.ai] }
          export: { max_chain_depth: 3 }
          alert:
            receivers:
              ops-slack: { slack: { url: "${DEMO_SLACK_URL}" } }
            group_wait: 1s
            group_interval: 5m
            repeat_interval: 4h

        rules:
          # Job 1: someone joins acme-ai → invite them to acme-labelers (once, whatever happens).
          - name: welcome-to-labelers
            on: member.joined
            where: { organization: acme-ai, "member.email": { glob: "*@acme.ai" } }
            do:
              - invite: { organization: acme-labelers, email: "{{member.email}}", role: member }

          # Job 2: a COCO export of a prod project completes → start a YOLO export of the same project.
          - name: yolo-after-coco
            on: export.completed
            where: { "export.format": coco, "project.name": { glob: "prod-*" } }
            do:
              - export: { project: "{{project.uid}}", format: yolo, name: "{{project.name}}-yolo", follow: true }

          # ... and its completion continues the chain (here: a log line).
          - name: announce-yolo
            on: export.completed
            where: { "export.format": yolo }
            do:
              - log: { message: "YOLO export {{export.uid}} of {{project.name}} is ready (chain depth {{event.chain_depth}})" }

          # Job 3: an export fails → one grouped message in the ops channel.
          - name: page-on-failed-export
            on: export.failed
            do:
              - alert:
                  receiver: ops-slack
                  text: "Export {{export.uid}} of {{project.name}} failed: {{export.error}}"
                  group_by: [event.type]
        """
}
