import { Config, ConfigError, Effect, Either, Schema } from "effect"

/** How the configuration is read: a failure becomes a `ConfigurationError` that names its variable. */

/** A variable that is missing or malformed. Exit code 78 (EX_CONFIG). */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>()("ConfigurationError", {
  variable: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.variable}: ${this.detail}`
  }

  /** The one place a `ConfigError` becomes a message: its first problem, under the variable's name. */
  static fromConfigError(error: ConfigError.ConfigError): ConfigurationError {
    const [first] = problems(error)
    const variable = first !== undefined && "path" in first && first.path.length > 0 ? first.path.join("_") : "configuration"
    const said = first?.message ?? String(error)
    return new ConfigurationError({ variable, detail: said.charAt(0).toLowerCase() + said.slice(1) })
  }
}

const problems = (error: ConfigError.ConfigError): Array<ConfigError.ConfigError> =>
  error._op === "And" || error._op === "Or" ? [...problems(error.left), ...problems(error.right)] : [error]

/** Reads `config`; a failure names its variable. */
export const load = <A>(config: Config.Config<A>): Effect.Effect<A, ConfigurationError> =>
  Effect.mapError(config, ConfigurationError.fromConfigError)

/** `config` read from the variable `name`: checks inside it report under that name. */
export const variable = <A>(name: string, config: Config.Config<A>): Config.Config<A> => Config.nested(config, name)

export const invalid = (detail: string) => ConfigError.InvalidData([], detail)

export const between = (low: number, high: number) => (n: number) =>
  n >= low && n <= high ? Either.right(n) : Either.left(invalid(`must be between ${low} and ${high}, got ${n}`))
