import type { OpenApi } from "@effect/platform"
import { type Html, html } from "./Html.js"
import { page } from "./Pages.js"

/** A schema as the docs name it: its component's name, or its type. */
const schemaName = (schema: unknown): string => {
  if (typeof schema !== "object" || schema === null) return ""
  const s = schema as { $ref?: string; type?: string; anyOf?: ReadonlyArray<unknown>; description?: string }
  if (s.$ref !== undefined) return s.$ref.split("/").at(-1) ?? s.$ref
  if (s.anyOf !== undefined) return s.anyOf.map(schemaName).join(" | ")
  return s.type ?? ""
}

/** The OpenAPI document as a page (Swagger UI and Scalar need inline or external scripts, which the policy forbids). */
export const docsPage = (spec: OpenApi.OpenAPISpec): Html =>
  page({
    title: "API",
    body: html`<h1>${spec.info.title} API ${spec.info.version}</h1>
<p>Read-only JSON over HTTP. The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${spec.openapi}). Every error answers <code>{"_tag", "error"}</code>, the text naming the parameter at fault.</p>
${
      Object.entries(spec.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) =>
          html`<section class="endpoint">
<h3><span class="method">${method.toUpperCase()}</span><code>${path}</code></h3>
${operation.summary === undefined ? null : html`<p>${operation.summary}</p>`}
${operation.description === undefined ? null : html`<p class="muted">${operation.description}</p>`}
${
            operation.parameters.length === 0 ? null : html`<table><thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${
              operation.parameters.map((p) =>
                html`<tr><td><code>${p.name}</code>${p.required ? " (required)" : null}</td><td>${p.in}</td><td>${schemaName(p.schema)}</td><td>${
                  p.description ?? (p.schema as { description?: string }).description ?? ""
                }</td></tr>`
              )
            }</tbody></table>`
          }
<table><thead><tr><th>Status</th><th>Answer</th></tr></thead><tbody>${
            Object.entries(operation.responses).map(([status, response]) =>
              html`<tr><td>${status}</td><td>${schemaName(response.content?.["application/json"]?.schema)} ${
                response.description === "" ? null : html`<span class="muted">${response.description}</span>`
              }</td></tr>`
            )
          }</tbody></table>
</section>`
        )
      )
    }`
  })
