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
          # `npm run build`: typecheck, bundle dist/main.js and dist/index.js, emit .d.ts.
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

      nixosModules.default = { config, lib, pkgs, ... }:
        let
          cfg = config.services.viralvidvault;
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
              '';
            };
            environment = lib.mkOption {
              type = lib.types.attrsOf lib.types.str;
              default = { };
              example = { FETCH_CONCURRENCY = "3"; MAX_RESULTS = "50"; LOG_LEVEL = "Debug"; };
              description = "More configuration variables (see the README); never the API key.";
            };
          };

          config = lib.mkIf cfg.enable {
            systemd.services.viralvidvault = {
              description = "viralvidvault: collect YouTube's trending videos into PostgreSQL";
              wants = [ "network-online.target" ];
              after = [ "network-online.target" "postgresql.service" ];
              environment = {
                REGIONS = lib.concatStringsSep "," cfg.regions;
                LOG_FORMAT = "json";
              } // lib.optionalAttrs (cfg.databaseUrl != null) { DATABASE_URL = cfg.databaseUrl; }
                // cfg.environment;
              serviceConfig = {
                Type = "oneshot";
                ExecStart = "${lib.getExe cfg.package} run";
                LoadCredential = [ "youtube-api-key:${cfg.apiKeyFile}" ];
                StateDirectory = "viralvidvault";
                StateDirectoryMode = "0700";
                SuccessExitStatus = [ 75 ];
                RestartPreventExitStatus = [ 78 ];
                TimeoutStopSec = 15;
                TimeoutStartSec = "15min";
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
          };
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
