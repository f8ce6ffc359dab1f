"""The GraphQL surface: strawberry types, inputs, payloads, errors, @requiresAccess, assembly."""
