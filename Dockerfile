# RBM Lab with its dependencies installed, for workers in containers (docker-compose.yml, Kubernetes).
FROM node:20-bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc nx.json tsconfig.base.json ./
COPY packages ./packages
RUN npm ci
COPY . .
ENV RBM_LAB_ARTIFACTS=/artifacts
ENTRYPOINT ["npx", "rbm-lab"]
CMD ["worker"]
