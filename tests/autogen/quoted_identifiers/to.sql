CREATE TABLE "order" ("id" INTEGER PRIMARY KEY, "group" TEXT, "select" INTEGER DEFAULT 0);
CREATE INDEX "ix order group" ON "order" ("group");
