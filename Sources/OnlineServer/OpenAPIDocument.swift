/// The API `mtrec serve` answers, as OpenAPI 3.1, served at /openapi.json.
/// The test suite checks real responses against its schemas.
public enum OpenAPIDocument {
    public static let text = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "mtrec serve", "version": "1",
               "description": "Recommendations and scores from a trained mtrec pipeline run."},
      "paths": {
        "/v1/recommendations": {
          "get": {
            "summary": "The top k items for one user: candidates, every task's score, the pipeline's rank expression.",
            "parameters": [
              {"name": "user", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 256}},
              {"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
               "description": "Defaults to the rank stage's top_k."},
              {"name": "exclude", "in": "query", "schema": {"type": "string"}, "description": "Items to leave out, comma-separated (at most 1000)."},
              {"name": "explain", "in": "query", "schema": {"type": "boolean"}}
            ],
            "responses": {
              "200": {"description": "The list", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Recommendations"}}}},
              "400": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/v1/score": {
          "post": {
            "summary": "Every task's score for rows of raw feature values, through the fitted transform.",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScoreRequest"}}}},
            "responses": {
              "200": {"description": "One object of task scores per row, in order",
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScoreResponse"}}}},
              "400": {"$ref": "#/components/responses/Error"},
              "413": {"$ref": "#/components/responses/Error"},
              "422": {"$ref": "#/components/responses/Error"}
            }
          }
        },
        "/healthz": {
          "get": {
            "summary": "Liveness, and the run served.",
            "responses": {"200": {"description": "Serving", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}
          }
        },
        "/metrics": {
          "get": {
            "summary": "Prometheus text format: requests by route and status, latency histogram, the run served, reloads.",
            "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}
          }
        },
        "/openapi.json": {
          "get": {"summary": "This document.", "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}
        }
      },
      "components": {
        "responses": {
          "Error": {"description": "The request was refused; the message names the field.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "additionalProperties": false,
                    "properties": {"error": {"type": "string"}}},
          "Health": {"type": "object", "required": ["status", "runId"], "additionalProperties": false,
                     "properties": {"status": {"const": "ok"}, "runId": {"type": "string"}}},
          "Recommendations": {
            "type": "object", "required": ["user", "runId", "source", "expression", "items"], "additionalProperties": false,
            "properties": {
              "user": {"type": "string"},
              "runId": {"type": "string"},
              "source": {"enum": ["model", "popularity"],
                         "description": "popularity: the user is unknown to the model (cold start) and gets the most popular items."},
              "expression": {"type": "string"},
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/RecommendedItem"}}
            }
          },
          "RecommendedItem": {
            "type": "object", "required": ["item", "rank", "score"], "additionalProperties": false,
            "properties": {
              "item": {"type": "string"},
              "rank": {"type": "integer", "minimum": 1},
              "score": {"type": ["number", "null"], "description": "null where the expression gave no finite number"},
              "scores": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
              "explanation": {
                "type": "object", "required": ["popularity", "candidateFrom"], "additionalProperties": false,
                "properties": {
                  "popularity": {"type": "number", "minimum": 0, "maximum": 1},
                  "retrieval": {"type": "number", "minimum": 0, "maximum": 1},
                  "candidateFrom": {"enum": ["retrieve", "popular", "popularity"]},
                  "features": {
                    "type": "object", "description": "per task, the features that moved the score most (each left out in turn), largest first",
                    "additionalProperties": {"type": "array", "maxItems": 3, "items": {
                      "type": "object", "required": ["feature", "change"], "additionalProperties": false,
                      "properties": {"feature": {"type": "string"}, "change": {"type": "number"}}}}
                  }
                }
              }
            }
          },
          "ScoreRequest": {
            "type": "object", "required": ["rows"],
            "properties": {
              "rows": {"type": "array", "minItems": 1, "maxItems": 10000,
                       "items": {"type": "object", "additionalProperties": {"type": ["number", "string", "boolean", "null"]}}}
            }
          },
          "ScoreResponse": {
            "type": "object", "required": ["runId", "tasks", "scores"], "additionalProperties": false,
            "properties": {
              "runId": {"type": "string"},
              "tasks": {"type": "array", "items": {"type": "string"}},
              "scores": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": ["number", "null"]}}}
            }
          }
        }
      }
    }
    """#
}
