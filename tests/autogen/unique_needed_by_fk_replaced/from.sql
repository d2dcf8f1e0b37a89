CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, region VARCHAR(10) NOT NULL, CONSTRAINT parent_code UNIQUE (code));
CREATE TABLE child (id INT PRIMARY KEY, parent_code VARCHAR(10), CONSTRAINT child_parent FOREIGN KEY (parent_code) REFERENCES parent (code));
