{
  description = "viralvidvault: YouTube's trending videos for several regions, collected into PostgreSQL";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        viralvidvault = pkgs.buildNpmPackage {
          pname = "viralvidvault";
          version = (builtins.fromJSON (builtins.readFile ./package.json)).version;
          src = ./.;
          nodejs = pkgs.nodejs_20;
          # The hash of the npm dependencies in package-lock.json. It was not computed
          # here (no Nix on the build machines): the first `nix build` prints the right
          # value after "got:"; put it here, and again whenever package-lock.json changes.
          npmDepsHash = pkgs.lib.fakeHash;
          # `npm run build` (scripts/build-all.sh): typecheck beside bundling dist/main.js and
          # dist/index.js and emitting the .d.ts.
          npmBuildScript = "build";
          # dist/main.js is bundled, but PGlite (the embedded database) loads its WASM
          # from node_modules, so the production dependencies are installed alongside.
          meta = {
            description = "Collects YouTube's trending videos into PostgreSQL with language-aware search";
            mainProgram = "viralvidvault";
            license = pkgs.lib.licenses.mit;
          };
        };
        default = viralvidvault;
      });

      nixosModules.default = { config, lib, pkgs, utils, ... }:
        let
          cfg = config.services.viralvidvault;
          # The program's own interval grammar (serve --ingest-every, RUN_INTERVAL): 7h, 90m, 1d12h.
          intervalPattern = "([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?";
          # With serve.ingestEvery the server collects in its own process, and there is no timer.
          collectsInServer = cfg.serve.enable && cfg.serve.ingestEvery != null;
          environment = {
            REGIONS = lib.concatStringsSep "," cfg.regions;
            LOG_FORMAT = "json";
          } // lib.optionalAttrs (cfg.databaseUrl != null) { DATABASE_URL = cfg.databaseUrl; };
          # The same as deploy/systemd/: one set for the timer's service and the server. Both
          # run as the one dynamic user "viralvidvault" in the one state directory, so the
          # server serves (and with ingestEvery goes on filling) the embedded database the
          # runs filled, and systemd never re-owns the directory under the other unit.
          hardening = {
            User = "viralvidvault";
            StateDirectory = "viralvidvault";
            StateDirectoryMode = "0700";
            DynamicUser = true;
            NoNewPrivileges = true;
            ProtectSystem = "strict";
            ProtectHome = true;
            PrivateTmp = true;
            PrivateDevices = true;
            PrivateUsers = true;
            ProtectHostname = true;
            ProtectClock = true;
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectProc = "invisible";
            RestrictAddressFamilies = [ "AF_INET" "AF_INET6" "AF_UNIX" ];
            RestrictNamespaces = true;
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            SystemCallArchitectures = "native";
            SystemCallFilter = [ "@system-service" "~@privileged" ];
            SystemCallErrorNumber = "EPERM";
            CapabilityBoundingSet = "";
            AmbientCapabilities = "";
            UMask = "0077";
          };
        in
        {
          options.services.viralvidvault = {
            enable = lib.mkEnableOption "viralvidvault, a collector of YouTube's trending videos";
            package = lib.mkOption {
              type = lib.types.package;
              default = self.packages.${pkgs.system}.default;
              description = "The viralvidvault package.";
            };
            apiKeyFile = lib.mkOption {
              type = lib.types.path;
              example = "/run/secrets/youtube-api-key";
              description = ''
                A file holding the YouTube Data API key. Handed to the service with
                LoadCredential=, so the key is never in the Nix store or the environment.
              '';
            };
            databaseUrl = lib.mkOption {
              type = lib.types.nullOr lib.types.str;
              default = null;
              example = "postgres://viralvidvault@/viralvidvault?host=/run/postgresql";
              description = "PostgreSQL to store into; null keeps the embedded database under /var/lib/viralvidvault.";
            };
            regions = lib.mkOption {
              type = lib.types.listOf lib.types.str;
              default = [ "US" "GB" "PL" "NL" "SE" "NO" "AT" ];
              description = "ISO 3166-1 alpha-2 region codes whose trending charts are fetched.";
            };
            interval = lib.mkOption {
              type = lib.types.str;
              default = "7h";
              description = ''
                Time between runs (a systemd time span). A monotonic timer (OnUnitActiveSec=)
                keeps the interval exact; an OnCalendar= schedule cannot express "every 7 hours".
                Unused when serve.ingestEvery is set (the server collects then, and there is no timer).
              '';
            };
            environment = lib.mkOption {
              type = lib.types.attrsOf lib.types.str;
              default = { };
              example = { FETCH_CONCURRENCY = "3"; MAX_RESULTS = "50"; LOG_LEVEL = "Debug"; };
              description = "More configuration variables (see the README); never the API key.";
            };

            serve = {
              enable = lib.mkEnableOption ''
                viralvidvault-serve.service: the archive served read-only over HTTP (the web page,
                the JSON API, /openapi.json, /docs). With the embedded database (databaseUrl = null)
                it needs ingestEvery: one process only can open that database, so the server
                collects instead of the timer. With databaseUrl, the timer and the server run side by side
              '';
              host = lib.mkOption {
                type = lib.types.str;
                default = "127.0.0.1";
                description = "The address to listen on. Put a TLS-terminating proxy in front rather than exposing it.";
              };
              port = lib.mkOption {
                type = lib.types.port;
                default = 8080;
                description = "The TCP port to listen on; 1024 or above (the service has no capabilities).";
              };
              ingestEvery = lib.mkOption {
                type = lib.types.nullOr (lib.types.strMatching intervalPattern);
                default = null;
                example = "7h";
                description = ''
                  Also collect on this interval in the server's process (serve --ingest-every:
                  7h, 90m, 1d12h; at least 1m), one run at a time, the first at start unless the
                  newest stored run is younger. When set, the timer and its service are NOT
                  installed, and the server is given the API key. Required with the embedded
                  database; with databaseUrl, leave it null and keep the timer.
                '';
              };
              openFirewall = lib.mkOption {
                type = lib.types.bool;
                default = false;
                description = "Open serve.port in the firewall (useful only with a host other than loopback).";
              };
            };
          };

          config = lib.mkMerge [
            {
              warnings = lib.optional (cfg.serve.enable && !cfg.enable)
                "services.viralvidvault.serve.enable does nothing without services.viralvidvault.enable = true.";
            }
            (lib.mkIf cfg.enable (lib.mkMerge [
              {
                assertions = [
                  {
                    assertion = !(cfg.serve.enable && cfg.serve.ingestEvery == null && cfg.databaseUrl == null);
                    message = ''
                      services.viralvidvault: the embedded database (databaseUrl = null) can be opened by one
                      process only, so the timer's runs and serve cannot both use it. Set
                      services.viralvidvault.serve.ingestEvery (e.g. "7h": the server collects, the timer
                      is not installed), or set databaseUrl to a PostgreSQL.
                    '';
                  }
                  {
                    assertion = cfg.serve.ingestEvery == null || cfg.serve.enable;
                    message = "services.viralvidvault.serve.ingestEvery collects in the server: it needs serve.enable = true.";
                  }
                  {
                    assertion = cfg.serve.ingestEvery != "";
                    message = "services.viralvidvault.serve.ingestEvery: null, or an interval such as \"7h\".";
                  }
                ];
                warnings = lib.optional
                  (cfg.serve.enable && cfg.serve.openFirewall && lib.elem cfg.serve.host [ "127.0.0.1" "::1" "localhost" ])
                  "services.viralvidvault.serve.openFirewall opens port ${toString cfg.serve.port}, but the server listens on ${cfg.serve.host} only.";
              }

              (lib.mkIf (!collectsInServer) {
                systemd.services.viralvidvault = {
                  description = "viralvidvault: collect YouTube's trending videos into PostgreSQL";
                  wants = [ "network-online.target" ];
                  after = [ "network-online.target" "postgresql.service" ];
                  # RUN_INTERVAL (the quota plan's idea of when the next runs come) follows the
                  # timer where the timer's span is also in the program's grammar.
                  environment = environment
                    // lib.optionalAttrs (builtins.match intervalPattern cfg.interval != null) { RUN_INTERVAL = cfg.interval; }
                    // cfg.environment;
                  serviceConfig = hardening // {
                    Type = "oneshot";
                    ExecStart = "${lib.getExe cfg.package} run";
                    LoadCredential = [ "youtube-api-key:${cfg.apiKeyFile}" ];
                    SuccessExitStatus = [ 75 ];
                    RestartPreventExitStatus = [ 78 ];
                    TimeoutStopSec = 15;
                    TimeoutStartSec = "15min";
                  };
                };
                systemd.timers.viralvidvault = {
                  description = "Run viralvidvault every ${cfg.interval}";
                  wantedBy = [ "timers.target" ];
                  timerConfig = {
                    OnBootSec = "5min";
                    OnUnitActiveSec = cfg.interval;
                    RandomizedDelaySec = "2min";
                    AccuracySec = "1min";
                    Unit = "viralvidvault.service";
                  };
                };
              })

              (lib.mkIf cfg.serve.enable {
                systemd.services.viralvidvault-serve = {
                  description = "viralvidvault: serve the archive of YouTube's trending videos over HTTP"
                    + lib.optionalString collectsInServer ", collecting every ${cfg.serve.ingestEvery}";
                  wantedBy = [ "multi-user.target" ];
                  wants = [ "network-online.target" ];
                  after = [ "network-online.target" "postgresql.service" ];
                  environment = environment
                    // lib.optionalAttrs collectsInServer { RUN_INTERVAL = cfg.serve.ingestEvery; }
                    // cfg.environment;
                  # A failure restarting does not cure (the port taken) ends as a failed unit, not a loop.
                  unitConfig = {
                    StartLimitIntervalSec = "10min";
                    StartLimitBurst = 5;
                  };
                  serviceConfig = hardening // {
                    Type = "exec";
                    ExecStart = utils.escapeSystemdExecArgs ([
                      (lib.getExe cfg.package)
                      "serve"
                      "--host"
                      cfg.serve.host
                      "--port"
                      (toString cfg.serve.port)
                    ] ++ lib.optionals collectsInServer [ "--ingest-every" cfg.serve.ingestEvery ]);
                    # Serving reads the database only: the key only for a server that collects.
                    LoadCredential = lib.optionals collectsInServer [ "youtube-api-key:${cfg.apiKeyFile}" ];
                    Restart = "on-failure";
                    RestartSec = "5s";
                    # 143 after SIGTERM (systemctl stop), 130 after SIGINT: normal stops.
                    SuccessExitStatus = [ 143 130 ];
                    # 64 a bad command line, 78 configuration or credentials: restarting cannot help.
                    RestartPreventExitStatus = [ 64 78 ];
                    KillSignal = "SIGTERM";
                    TimeoutStopSec = 10;
                  };
                };
                networking.firewall.allowedTCPPorts = lib.optionals cfg.serve.openFirewall [ cfg.serve.port ];
              })
            ]))
          ];
        };

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [ pkgs.nodejs_20 pkgs.postgresql_15 ];
          shellHook = ''
            echo "viralvidvault: npm ci && npm run demo; npm test"
          '';
        };
      });
    };
}
